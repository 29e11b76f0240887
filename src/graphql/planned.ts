/** Where a planner leaves the related values it read for one entity, by field (and argument). */
const PLANNED = Symbol('planned');

type Planned = Record<string, unknown>;

/** A field a planner can read ahead, with the type of its value. */
export interface PlannedField<T> {
  readonly key: string;
  /** Never set: carries T. */
  readonly type?: T;
}

export const plannedField = <T>(key: string): PlannedField<T> => ({ key });

/**
 * Records what a planner read for `parent`'s field (e.g. a conflict's `account`), so the field
 * resolver answers it synchronously: no DataLoader promise per field and row. The loaders are
 * primed as well, for every other path of the request that asks for the same rows.
 */
export function setPlanned<T>(parent: object, field: PlannedField<T>, value: T): void {
  const holder = parent as { [PLANNED]?: Planned };
  let slot = holder[PLANNED];
  if (!slot) {
    // Not enumerable: a spread or copy of the entity never carries what was read for one request.
    slot = {};
    Object.defineProperty(parent, PLANNED, { value: slot });
  }
  slot[field.key] = value;
}

/** What a planner read for `parent`'s field; undefined when it was not planned (ask the loader). */
export function planned<T>(parent: object, field: PlannedField<T>): T | undefined {
  return (parent as { [PLANNED]?: Planned })[PLANNED]?.[field.key] as T | undefined;
}
