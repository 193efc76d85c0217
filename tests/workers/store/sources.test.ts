// Model sources as URL templates, and download progress figures.
import { describe, expect, it } from 'vitest';
import type { DownloadProgress } from '../../../workers/protocol/messages.ts';
import { ProgressTracker } from '../../../workers/store/progress.ts';
import { parseLfsPointer } from '../../../workers/store/lfs-pointer.ts';
import { customSource, fileUrl, pointerUrl, sourceFromPreset } from '../../../workers/protocol/model-source.ts';

const REPO = 'onnx-community/Qwen2.5-0.5B-Instruct';
const ORIGIN = 'https://chat.example.com';

describe('model sources', () => {
  it('finds the LFS pointer beside /resolve/main/ only, and reads it', () => {
    const pointer = (source: Parameters<typeof pointerUrl>[0]): string | null => pointerUrl(source, REPO, 'onnx/model_q4.onnx', ORIGIN);
    expect(pointer(sourceFromPreset('huggingface'))).toBe('https://huggingface.co/onnx-community/Qwen2.5-0.5B-Instruct/raw/main/onnx/model_q4.onnx');
    expect(pointer(sourceFromPreset('hf-mirror'))).toBe('https://hf-mirror.com/onnx-community/Qwen2.5-0.5B-Instruct/raw/main/onnx/model_q4.onnx');
    expect(pointer(customSource('https://hub.intranet'))).toBe('https://hub.intranet/onnx-community/Qwen2.5-0.5B-Instruct/raw/main/onnx/model_q4.onnx');
    expect(pointer(sourceFromPreset('modelscope'))).toBeNull();
    expect(pointer(sourceFromPreset('same-origin'))).toBeNull();
    const sha = 'ab'.repeat(32);
    expect(parseLfsPointer(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\nsize 90626172\n`)).toEqual({ sha256: sha, size: 90626172 });
    expect(parseLfsPointer('{"model_type": "qwen2"}')).toBeNull();
  });

  it('builds each preset\'s URL for the same repo and file', () => {
    const url = (id: Parameters<typeof sourceFromPreset>[0]): string => fileUrl(sourceFromPreset(id), REPO, 'onnx/model_q4.onnx', ORIGIN);
    expect(url('huggingface')).toBe('https://huggingface.co/onnx-community/Qwen2.5-0.5B-Instruct/resolve/main/onnx/model_q4.onnx');
    expect(url('hf-mirror')).toBe('https://hf-mirror.com/onnx-community/Qwen2.5-0.5B-Instruct/resolve/main/onnx/model_q4.onnx');
    expect(url('modelscope')).toBe('https://modelscope.cn/models/onnx-community/Qwen2.5-0.5B-Instruct/resolve/master/onnx/model_q4.onnx');
    expect(url('same-origin')).toBe('https://chat.example.com/models/onnx-community/Qwen2.5-0.5B-Instruct/onnx/model_q4.onnx');
  });

  it('reads a custom base URL as a host with the hub layout, or as a full template', () => {
    expect(fileUrl(customSource('http://intranet:8080/hub/'), REPO, 'config.json', ORIGIN)).toBe(
      'http://intranet:8080/hub/onnx-community/Qwen2.5-0.5B-Instruct/resolve/main/config.json',
    );
    expect(fileUrl(customSource('/weights/{repo}/{file}'), REPO, 'config.json', ORIGIN)).toBe('https://chat.example.com/weights/onnx-community/Qwen2.5-0.5B-Instruct/config.json');
    expect(() => customSource('')).toThrow(/Enter a base URL/);
    expect(() => customSource('ftp://x/{repo}/{file}')).toThrow(/http/);
    expect(() => customSource('https://x/{file}')).toThrow(/\{repo\}/);
    expect(() => customSource('not a url')).toThrow(/not a URL/);
  });
});

describe('download progress', () => {
  it('reports bytes, speed over the recent window and time left, throttled', () => {
    let now = 0;
    const events: DownloadProgress[] = [];
    const tracker = new ProgressTracker(1000, (p) => events.push(p), { intervalMs: 100, now: () => now });
    tracker.seed('a', 200); // stored before: counts as done, not as speed
    for (let t = 1; t <= 10; t++) {
      now = t * 50;
      tracker.update('b', t * 40, 800);
    }
    // Updates every 50 ms, reports at most every 100 ms: at 50, 150, 250, 350 and 450 ms.
    expect(events.length).toBe(5);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ file: 'b', fileBytesDone: 360, fileBytesTotal: 800, totalDone: 560, totalBytes: 1000 });
    expect(last.bytesPerSecond).toBeCloseTo(800, 5); // 40 bytes per 50 ms
    expect(last.etaSeconds).toBeCloseTo(440 / 800, 5);
    now = 600;
    tracker.update('b', 800, 800); // a file's end always reports
    expect(events.at(-1)!.totalDone).toBe(1000);
    expect(events.at(-1)!.etaSeconds).toBe(0);
  });
});
