// Converts an official-layout checkpoint on disk (what the forge writes) into the ONNX model the
// app builds, written beside as files: the reference graph for onnxruntime-node.
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { convertCheckpoint, type Converted } from '../../workers/convert/convert-model.ts';
import { dataFileName } from '../../workers/convert/graph-builder.ts';
import { DiskCheckpointFiles } from './checkpoint-files.ts';

export interface DiskConversion extends Converted {
  fileName: string;
}

export async function convertToDisk(sourceDir: string, outDir: string, options: { dtype?: 'q4' | 'q4f16'; config?: Record<string, unknown>; dataFileBytes?: number; slabBytes?: number } = {}): Promise<DiskConversion> {
  const dtype = options.dtype ?? 'q4';
  const config = options.config ?? (JSON.parse(readFileSync(join(sourceDir, 'config.json'), 'utf8')) as Record<string, unknown>);
  const indexPath = join(sourceDir, 'model.safetensors.index.json');
  const index = existsSync(indexPath) ? (JSON.parse(readFileSync(indexPath, 'utf8')) as unknown) : null;
  const fileName = `model_${dtype}.onnx`;
  const fds: number[] = [];
  try {
    const converted = await convertCheckpoint({
      repo: sourceDir,
      config,
      index,
      compute: dtype === 'q4f16' ? 'float16' : 'float32',
      files: new DiskCheckpointFiles(sourceDir),
      sink: {
        append: async (bytes, file) => {
          fds[file] ??= openSync(join(outDir, dataFileName(fileName, file)), 'w');
          writeSync(fds[file]!, bytes);
        },
      },
      fileName,
      dataFileBytes: options.dataFileBytes,
      slabBytes: options.slabBytes,
    });
    writeFileSync(join(outDir, fileName), converted.graph);
    return { ...converted, fileName };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}
