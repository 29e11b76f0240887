import { Field, ObjectType } from 'type-graphql';
import { MutationPayload, type BlankPayload } from '../../common';
import { Conflict } from '../../conflicts';
import { Directory } from '../../directories';

@ObjectType({ implements: MutationPayload })
export class DirectoryPayload extends MutationPayload {
  static readonly blank: BlankPayload<DirectoryPayload> = {
    directory: null,
    scimToken: null,
    mappingConflict: null,
    resolvedConflicts: [],
  };

  @Field(() => Directory, { nullable: true })
  directory: Directory | null;

  @Field(() => String, {
    nullable: true,
    description:
      'createDirectory and rotateDirectoryToken only: the SCIM bearer token, shown this once (only its hash is stored).',
  })
  scimToken?: string | null;

  @Field(() => Conflict, {
    nullable: true,
    description:
      'The MAPPING_MISMATCH conflict the mapping keeps open (rule R2), if any; null also when this mismatch is dismissed (the dismissal holds).',
  })
  mappingConflict?: Conflict | null;

  @Field(() => [Conflict], { description: 'Conflicts this change resolved.' })
  resolvedConflicts: Conflict[];
}
