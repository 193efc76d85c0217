// The string formats the grammar enforces, as regular expressions (compiled by regex.ts) that
// accept a subset of what ajv-formats' full mode accepts and of what the RFCs allow (other
// validators follow those): ajv's own regexes where they are plain regular expressions (email,
// uuid, ipv4, ipv6), rewritten without lookarounds (duration; hostname, whose 253-character limit
// becomes a maxLength), ajv's uri regexes cut to RFC 3986, and ajv's date and time checks as
// regexes cut to RFC 3339 (date-time separator T, zone Z or ±HH:MM, no leap seconds).
import type { ByteDfa } from './byte-dfa.ts';
import { regexDfa } from './regex.ts';

interface FormatDefinition {
  readonly source: string;
  /** ajv's `i` flag (ASCII only: the formats are ASCII). */
  readonly caseless?: boolean;
  readonly maxLength?: number;
}

const DAY = '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))';
const LEAP_YEAR = '(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)';
const DATE = `(?:\\d{4}-${DAY}|${LEAP_YEAR}-02-29)`;
const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:[zZ]|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)';
const DURATION_TIME = 'T(?:\\d+H(?:\\d+M)?(?:\\d+S)?|\\d+M(?:\\d+S)?|\\d+S)';
const IPV4_PART = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `(?:${IPV4_PART}\\.){3}${IPV4_PART}`;

// ajv-formats' regexes, verbatim.
const IPV6 = `^((([0-9a-f]{1,4}:){7}([0-9a-f]{1,4}|:))|(([0-9a-f]{1,4}:){6}(:[0-9a-f]{1,4}|(${IPV4})|:))|(([0-9a-f]{1,4}:){5}(((:[0-9a-f]{1,4}){1,2})|:(${IPV4})|:))|(([0-9a-f]{1,4}:){4}(((:[0-9a-f]{1,4}){1,3})|((:[0-9a-f]{1,4})?:(${IPV4}))|:))|(([0-9a-f]{1,4}:){3}(((:[0-9a-f]{1,4}){1,4})|((:[0-9a-f]{1,4}){0,2}:(${IPV4}))|:))|(([0-9a-f]{1,4}:){2}(((:[0-9a-f]{1,4}){1,5})|((:[0-9a-f]{1,4}){0,3}:(${IPV4}))|:))|(([0-9a-f]{1,4}:){1}(((:[0-9a-f]{1,4}){1,6})|((:[0-9a-f]{1,4}){0,4}:(${IPV4}))|:))|(:(((:[0-9a-f]{1,4}){1,7})|((:[0-9a-f]{1,4}){0,5}:(${IPV4}))|:)))$`;
const URI_HOST_IPV6 =
  "(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\\.[a-z0-9\\-._~!$&'()*+,;=:]+)";
const URI_IPV4 = '(?:(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)';
const PCHAR = "(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})";
/** A first segment with no colon (RFC 3986's segment-nz-nc), so that it cannot read as a scheme. */
const PCHAR_NO_COLON = "(?:[a-z0-9\\-._~!$&'()*+,;=@]|%[0-9a-f]{2})";
/** ajv's hierarchical part, with the authority after "//" only (ajv also takes one slash, which
 * RFC 3986 reads as a path, where an IP literal is not allowed). */
const uriHierarchy = (firstSegment: string): string =>
  `(?:\\/\\/(?:(?:[a-z0-9\\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\\[${URI_HOST_IPV6}\\]|${URI_IPV4}|(?:[a-z0-9\\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\\d*)?(?:\\/${PCHAR}*)*` +
  `|\\/(?:${PCHAR}+(?:\\/${PCHAR}*)*)?|${firstSegment}+(?:\\/${PCHAR}*)*)`;
const URI_TAIL = "(?:\\?(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$";
const SCHEME = '[a-z][a-z0-9+\\-.]*:';

const DEFINITIONS: Readonly<Record<string, FormatDefinition>> = {
  date: { source: `^${DATE}$` },
  time: { source: `^${TIME}$` },
  'date-time': { source: `^${DATE}[Tt]${TIME}$` },
  duration: { source: `^P(?:(?:\\d+Y(?:\\d+M)?(?:\\d+D)?|\\d+M(?:\\d+D)?|\\d+D)(?:${DURATION_TIME})?|${DURATION_TIME}|\\d+W)$` },
  uuid: { source: '^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$', caseless: true },
  email: {
    source: "^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
    caseless: true,
  },
  hostname: { source: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\\.?$', caseless: true, maxLength: 253 },
  ipv4: { source: `^${IPV4}$` },
  ipv6: { source: IPV6, caseless: true },
  uri: { source: `^${SCHEME}${uriHierarchy(PCHAR)}${URI_TAIL}`, caseless: true },
  'uri-reference': { source: `^(?:${SCHEME}${uriHierarchy(PCHAR)}|${uriHierarchy(PCHAR_NO_COLON)})?${URI_TAIL}`, caseless: true },
};

export const FORMAT_NAMES: readonly string[] = Object.keys(DEFINITIONS);

/** The format's DFA (built on first use) and the maxLength it implies; undefined when unknown. */
export function formatAutomaton(name: string): { dfa: ByteDfa; maxLength: number } | undefined {
  const definition = Object.hasOwn(DEFINITIONS, name) ? DEFINITIONS[name]! : undefined;
  if (definition === undefined) return undefined;
  return { dfa: regexDfa(definition.source, definition.caseless), maxLength: definition.maxLength ?? Infinity };
}
