import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FormatError, UserError } from '../errors.js';

/**
 * Where ELF bytes come from. A vmlinux with debug info is 0.5 to 1 GiB, so the
 * file source reads only the ranges asked for instead of the whole file.
 */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  /**
   * The same bytes, read into `scratch` when they must be copied (it must be
   * long enough): valid until the caller reuses `scratch`. Reading many small
   * pieces into one buffer spares a fresh allocation (and its page faults) each.
   */
  readInto(offset: number, length: number, scratch: Uint8Array): Uint8Array;
  close(): void;
}

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;

  constructor(readonly name: string) {
    try {
      this.fd = openSync(name, 'r');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') throw new UserError('no such file', name);
      if (err.code === 'EACCES') throw new UserError('permission denied', name);
      if (err.code === 'EISDIR') throw new UserError('is a directory, expected an ELF file', name);
      throw e;
    }
    const st = fstatSync(this.fd);
    if (st.isDirectory()) throw new UserError('is a directory, expected an ELF file', name);
    this.size = st.size;
  }

  read(offset: number, length: number): Uint8Array {
    const buf = Buffer.allocUnsafe(length);
    return this.readInto(offset, length, new Uint8Array(buf.buffer, buf.byteOffset, length));
  }

  readInto(offset: number, length: number, scratch: Uint8Array): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new FormatError(
        `truncated: bytes ${offset}..${offset + length} are past the end of the file (${this.size} bytes)`,
        this.name,
      );
    }
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, scratch, done, length - done, offset + done);
      if (n === 0)
        throw new FormatError(`truncated: file ended at byte ${offset + done}`, this.name);
      done += n;
    }
    return scratch.subarray(0, length);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export class BufferSource implements ByteSource {
  constructor(
    readonly name: string,
    private readonly bytes: Uint8Array,
  ) {}
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new FormatError(
        `truncated: bytes ${offset}..${offset + length} are past the end of the file (${this.bytes.length} bytes)`,
        this.name,
      );
    }
    return this.bytes.subarray(offset, offset + length);
  }
  readInto(offset: number, length: number): Uint8Array {
    return this.read(offset, length);
  }
  close(): void {}
}
