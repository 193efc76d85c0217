// A stored chunk's bytes into a buffer the caller keeps, by streaming the Blob: reading many
// chunks then reuses one buffer instead of allocating (and first-filling) one per chunk.

export async function readInto(blob: Blob, target: Uint8Array): Promise<void> {
  const reader = blob.stream().getReader();
  let filled = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    target.set(value, filled);
    filled += value.byteLength;
  }
}
