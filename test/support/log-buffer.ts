/** The last lines a child process wrote, for failure messages and log assertions. */

export type StreamName = 'stdout' | 'stderr';
export type LineListener = (line: string, stream: StreamName) => void;

export class LogBuffer {
  private readonly ring: string[] = [];
  private readonly partial: Record<StreamName, string> = { stdout: '', stderr: '' };
  private readonly listeners = new Set<LineListener>();
  private dropped = 0;

  constructor(readonly capacity = 200) {}

  /** Feeds a chunk of a stream; complete lines go to the ring and the listeners. */
  write(stream: StreamName, chunk: string): void {
    const text = this.partial[stream] + chunk;
    const lines = text.split(/\r?\n/);
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.add(line, stream);
  }

  /** Flushes unterminated last lines (the stream ended). */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') this.add(this.partial[stream], stream);
      this.partial[stream] = '';
    }
  }

  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  lines(): readonly string[] {
    return [...this.ring];
  }

  /** The kept lines as text, with a note when older lines were dropped. */
  text(): string {
    const head = this.dropped > 0 ? `[... ${this.dropped} earlier lines dropped]\n` : '';
    return head + this.ring.join('\n');
  }

  tail(n: number): string {
    return this.ring.slice(-n).join('\n');
  }

  private add(line: string, stream: StreamName): void {
    this.ring.push(line);
    if (this.ring.length > this.capacity) {
      this.ring.shift();
      this.dropped++;
    }
    for (const listener of this.listeners) listener(line, stream);
  }
}
