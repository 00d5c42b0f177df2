/**
 * True when the Accept header ranks text/html above JSON: a browser navigation, which is sent
 * to the login page rather than answered with a 401. `*\/*` alone (curl, fetch) ranks both the
 * same and so gets JSON.
 *
 * Written here rather than taken from a library: the negotiator already in the tree
 * (@fastify/accept-negotiator) compares plain tokens and has no notion of `text/*` or `*\/*`.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const html = qualityOf('text/html', ranges);
  return html > 0 && html > qualityOf('application/json', ranges);
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  // Bounded: a header is at most Node's header size, and only the first 64 entries count.
  for (const part of accept.split(',').slice(0, 64)) {
    const [mediaType, ...params] = part.split(';');
    const [type, subtype] = mediaType.trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim());
      if (name.toLowerCase() === 'q') {
        const parsed = Number(value);
        q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** The quality of the most specific range that matches (RFC 9110 §12.5.1); 0 when none does. */
function qualityOf(mediaType: string, ranges: MediaRange[]): number {
  const [type, subtype] = mediaType.split('/');
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === '*'
          ? 1
          : range.type === '*' && range.subtype === '*'
            ? 0
            : -1;
    if (specificity > best) {
      best = specificity;
      q = range.q;
    }
  }
  return q;
}
