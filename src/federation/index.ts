/** The face of federation/: what the rest of src/ imports from it. Other folders import federation/ only through this file. */
export { checkEntityRepresentations } from './representations';
