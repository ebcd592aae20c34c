// Text into HTML: the five characters that can end an element, an attribute or an entity. Every
// printable page the service renders (evidence packages, statements) escapes each value with this.
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
