import { mockServices } from '@backstage/backend-test-utils';
import type { PipelineOutputLine } from '@internal/plugin-pipelines-node';
import { LineSplitter } from './LineSplitter';

describe('LineSplitter', () => {
  function split(chunks: Buffer[]) {
    const lines: PipelineOutputLine[] = [];
    const splitter = new LineSplitter(
      'stdout',
      line => lines.push(line),
      mockServices.logger.mock(),
    );
    chunks.forEach(chunk => splitter.push(chunk));
    splitter.end();
    return lines;
  }

  it('splits lines across chunks and drops a CR before the newline', () => {
    expect(
      split([Buffer.from('one\r\ntw'), Buffer.from('o\nthree')]).map(
        l => l.text,
      ),
    ).toEqual(['one', 'two', 'three']);
  });

  it('cuts a long line into 64 KiB pieces, in one chunk or many, never inside a character', () => {
    const whole = split([Buffer.from(`${'a'.repeat(100_000)}\nend\n`)]);
    expect(whole.map(l => [l.text.length, l.continues])).toEqual([
      [65536, true],
      [34464, undefined],
      [3, undefined],
    ]);
    const text = `${'a'.repeat(65535)}é${'b'.repeat(10)}\n`;
    const bytes = Buffer.from(text);
    const pieces = split([bytes.subarray(0, 40_000), bytes.subarray(40_000)]);
    expect(pieces.map(l => l.text).join('')).toBe(text.slice(0, -1));
    expect(pieces[0]).toEqual({
      stream: 'stdout',
      text: 'a'.repeat(65535),
      continues: true,
    });
  });

  it('keeps going when the listener throws', () => {
    const logger = mockServices.logger.mock();
    const splitter = new LineSplitter(
      'stderr',
      () => {
        throw new Error('boom');
      },
      logger,
    );
    splitter.push(Buffer.from('x\n'));
    expect(logger.warn).toHaveBeenCalledWith(
      'A step output listener threw: Error: boom',
    );
  });
});
