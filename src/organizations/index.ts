/** The organizations feature's face: what other folders may use. */
export { OrganizationService } from './organization.service';
