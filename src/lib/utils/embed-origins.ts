// The embed allowlist from the deployer's setting: the app's own origin, then the listed
// origins (space- or comma-separated, trailing slashes dropped).

export function embedOrigins(configured: string | undefined, own: string): string[] {
  const listed = (configured ?? '').split(/[\s,]+/).filter(Boolean).map((origin) => origin.replace(/\/+$/, ''));
  return [own, ...listed];
}
