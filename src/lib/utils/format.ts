// Sizes as the model hubs state them (decimal: 1 MB = 10^6 bytes), so the catalog, the
// progress line and the stored list agree with the numbers on a model's page.
export function formatSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  return `${Math.round(bytes / 1e3)} KB`;
}
