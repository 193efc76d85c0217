// The load progress line in both languages, and sizes as the hubs write them.
import { describe, expect, it } from 'vitest';
import type { MessageKey } from '../../src/lib/i18n/en.ts';
import { DICTIONARIES, format } from '../../src/lib/i18n/locale.ts';
import { formatSize } from '../../src/lib/utils/format.ts';
import { describeProgress, formatDuration } from '../../src/lib/utils/load-progress.ts';

const translate = (locale: 'en' | 'zh-CN') => (key: MessageKey, params: Record<string, string | number> = {}) => format(DICTIONARIES[locale][key], params);
const download = { kind: 'progress' as const, id: 'r1', phase: 'download' as const, file: 'onnx/model_q4f16.onnx', fileBytesDone: 0, fileBytesTotal: 0, totalDone: 120e6, totalBytes: 483e6, bytesPerSecond: 12e6, etaSeconds: 30.2 };

describe('describeProgress', () => {
  it('says what is downloading, how far, how fast and how long is left', () => {
    expect(describeProgress(download, translate('en'))).toBe('Downloading onnx/model_q4f16.onnx · 120 MB of 483 MB (24%) · 12.0 MB/s · 31 s left');
    expect(describeProgress(download, translate('zh-CN'))).toBe('正在下载 onnx/model_q4f16.onnx · 120 MB / 483 MB（24%） · 12.0 MB/秒 · 剩余 31 s');
    expect(describeProgress({ ...download, bytesPerSecond: null, etaSeconds: null }, translate('en'))).toBe('Downloading onnx/model_q4f16.onnx · 120 MB of 483 MB (24%)');
  });

  it('names the later phases', () => {
    expect(describeProgress({ kind: 'progress', id: 'r1', phase: 'verify', bytesDone: 1, bytesTotal: 4 }, translate('en'))).toBe('Checking the stored model · 25%');
    expect(describeProgress({ kind: 'progress', id: 'r1', phase: 'warmup' }, translate('zh-CN'))).toBe('正在预热（编译 GPU 程序）…');
  });
});

describe('formatting', () => {
  it('writes durations and decimal sizes', () => {
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(3700)).toBe('1 h 2 min');
    expect(formatSize(786e6)).toBe('786 MB');
    expect(formatSize(9.4e6)).toBe('9.4 MB');
    expect(formatSize(1.22e9)).toBe('1.22 GB');
    expect(formatSize(5e3)).toBe('5 KB');
  });
});
