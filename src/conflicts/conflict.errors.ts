export enum ConflictErrorCode {
  CONFLICT_NOT_OPEN = 'CONFLICT_NOT_OPEN',
}
