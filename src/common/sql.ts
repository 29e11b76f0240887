/** Escapes LIKE wildcards so user text matches literally (Postgres' default escape is backslash). */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');
