/** How one filterable single-valued SCIM attribute maps onto SQL. */
export interface AttributeSpec {
  /** SQL expression for the column, e.g. 'r.user_name'. Trusted: never built from input. */
  column: string;
  type: 'string' | 'boolean' | 'dateTime' | 'uuid';
  /** false (the RFC 7643 default) => case-insensitive comparisons, lower() on both sides. */
  caseExact?: boolean;
}

/** A multi-valued attribute stored as a jsonb array of objects, e.g. emails. */
export interface MultiValuedSpec {
  /** SQL expression for the jsonb column, e.g. 'r.emails'. */
  column: string;
  /** Sub-attributes of each element: value, type, primary, display. */
  subAttributes: Record<string, { type: 'string' | 'boolean'; caseExact?: boolean }>;
  /** The sub-attribute meant when none is named (`emails eq "x"` means emails.value): 'value'. */
  defaultSubAttribute: string;
}

export interface ResourceSchema {
  attributes: Record<string, AttributeSpec>;
  multiValued: Record<string, MultiValuedSpec>;
}
