import type { DataSource } from 'typeorm';
import { Domain } from './domain.entity';
import type { DomainStatus } from './domain.enums';

export class DomainService {
  constructor(private readonly db: DataSource) {}

  /** An organization asserts tens of domains, not thousands: one sorted list, no pages. */
  list(organizationId: string, status?: DomainStatus | null): Promise<Domain[]> {
    const query = this.db
      .getRepository(Domain)
      .createQueryBuilder('d')
      .comment('domains')
      .where('d.organizationId = :organizationId', { organizationId });
    if (status) query.andWhere('d.status = :status', { status });
    return query.orderBy('d.name').getMany();
  }
}
