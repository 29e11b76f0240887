import { InitialSchema1764320000000 } from './1764320000000-InitialSchema';

/** Every migration, oldest first. Listed by hand so the compiled server and the tests run the same set. */
export const migrations = [InitialSchema1764320000000];
