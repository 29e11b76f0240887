import { Field, ID, ObjectType } from 'type-graphql';
import { Entity, PrimaryGeneratedColumn, Column, Unique } from 'typeorm';
import { TimestampColumn, nowDefault } from '../db';

/** The tenant: every other row belongs to exactly one, and no query crosses two. */
@ObjectType({
  description: 'The tenant. Every account, domain, directory and conflict belongs to one organization.',
  simpleResolvers: true,
})
@Entity('organization')
@Unique('organization_slug_key', ['slug'])
export class Organization {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'organization_pkey' })
  id: string;

  @Field()
  @Column('text')
  name: string;

  @Field({ description: 'Stable, URL-safe short name.' })
  @Column('text')
  slug: string;

  @Field()
  @TimestampColumn(nowDefault)
  createdAt: Date;
}
