import type { Router } from 'express';
import { groupResource } from './group-representation';
import { projectionOmits, project } from './projection';
import { resourceRoutes, searchPart, type ResourceEndpoint } from './resource-routes';
import { resourceUrl } from './resource-urls';
import { SCHEMA } from './scim-http';
import type { ScimGroup } from '../scim';
import type { ScimGroupService } from './scim-groups.service';

/** `/Groups`: ScimGroupService does the work. */
export function groupRoutes(groups: ScimGroupService): Router {
  return resourceRoutes(groupEndpoint(groups));
}

/** The Groups' part of a root-level `.search`. */
export const groupSearch = (groups: ScimGroupService) => searchPart(groupEndpoint(groups));

function groupEndpoint(groups: ScimGroupService): ResourceEndpoint<ScimGroup> {
  return {
    path: 'Groups',
    singular: 'Group',
    service: groups,
    /** Groups as SCIM resources; members in one query, skipped when excluded (Entra asks `excludedAttributes=members`). */
    async represent(req, res, rows, projection) {
      const members = projectionOmits(projection, 'members', SCHEMA.group)
        ? null
        : await groups.membersOf(rows.map((group) => group.id));
      return rows.map((group) =>
        project(
          groupResource(group, resourceUrl(req, res, 'Groups', group.id), members?.get(group.id) ?? null),
          projection,
          SCHEMA.group,
        ),
      );
    },
  };
}
