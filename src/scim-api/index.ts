/** The face of scim-api/: what the rest of src/ imports from it. Other folders import scim-api/ only through this file. */
export { inScimTransaction } from './scim-call';
export { createScimRouter } from './scim-router';
export { desiredUserFrom } from './user-representation';
