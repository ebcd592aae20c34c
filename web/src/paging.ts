// Cursor paging (GET /v1/applications, /v1/canaries, /v1/alerts): the service hands out an opaque
// `next` cursor per page; going back means remembering the cursors that led here. Pure, so the
// logic is tested without a browser.
export interface CursorPages {
  /** cursors[i] fetches page i; cursors[0] is null (the first page) */
  readonly cursors: readonly (string | null)[];
  readonly page: number;
}

export const firstPage = (): CursorPages => ({ cursors: [null], page: 0 });

export const cursorOf = (state: CursorPages): string | null => state.cursors[state.page] ?? null;

/** Forward with the cursor the current page's answer gave; a null cursor means this is the last page. */
export function nextPage(state: CursorPages, next: string | null): CursorPages {
  if (next === null) return state;
  const cursors = [...state.cursors.slice(0, state.page + 1), next];
  return { cursors, page: state.page + 1 };
}

export function previousPage(state: CursorPages): CursorPages {
  return state.page === 0 ? state : { cursors: state.cursors, page: state.page - 1 };
}

export const hasPrevious = (state: CursorPages): boolean => state.page > 0;
