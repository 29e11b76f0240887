/** The organizations feature's face: what other folders may use. */
export { OrganizationService } from './organization.service';
export { OrganizationStore } from './organization.store';
export { Organization } from './organization.entity';
