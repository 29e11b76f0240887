import type { Router } from 'express';
import { projectionOmits, project } from './projection';
import { resourceRoutes, searchPart, type ResourceEndpoint } from './resource-routes';
import { resourceUrl } from './resource-urls';
import { SCHEMA } from './scim-http';
import type { ScimUserService } from './scim-users.service';
import type { ScimRecord } from '../scim';
import { userResource, type UserGroupRef } from './user-representation';

/** `/Users`: ScimUserService does the work. */
export function userRoutes(users: ScimUserService): Router {
  return resourceRoutes(userEndpoint(users));
}

/** The Users' part of a root-level `.search`. */
export const userSearch = (users: ScimUserService) => searchPart(userEndpoint(users));

function userEndpoint(users: ScimUserService): ResourceEndpoint<ScimRecord> {
  return {
    path: 'Users',
    singular: 'User',
    service: users,
    /** Records as SCIM Users; their groups in one query, unless the projection leaves groups out. */
    async represent(req, res, records, projection, fresh) {
      // A user this very request created belongs to no group yet: no query needed.
      const groups = projectionOmits(projection, 'groups', SCHEMA.user)
        ? null
        : fresh
          ? new Map<string, UserGroupRef[]>()
          : await users.groupsOf(records.map((record) => record.id));
      return records.map((record) =>
        project(
          userResource(record, resourceUrl(req, res, 'Users', record.id), groups?.get(record.id) ?? null),
          projection,
          SCHEMA.user,
        ),
      );
    },
  };
}
