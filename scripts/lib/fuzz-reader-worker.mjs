import { parentPort, workerData } from 'node:worker_threads';

/**
 * Our reader on one mutant, in a worker thread the lane can terminate when
 * it hangs: ElfFile.open and extractUpstream with a revision's rules, from
 * the tool's build (workerData.dist). An error that would make the command
 * exit 3 (describeError) is an internal error; a UserError or FormatError
 * is a rejection.
 */

const { ElfFile } = await import(`${workerData.dist}/elf/elf-file.js`);
const { extractUpstream } = await import(`${workerData.dist}/lineinfo/extract.js`);
const { describeError } = await import(`${workerData.dist}/errors.js`);

parentPort.on('message', ({ id, path, rules }) => {
  let elf;
  try {
    elf = ElfFile.open(path);
    const r = extractUpstream(elf, { rules });
    const t = r.table;
    const table = {
      count: t.count,
      offsets: t.offsets.slice(0, t.count),
      fileIds: t.fileIds.slice(0, t.count),
      lines: t.lines.slice(0, t.count),
      files: [...t.files],
    };
    const warnings = (r.warnings ?? []).map((w) => ({
      part: String(w.part),
      cause: String(w.cause),
      skipped: String(w.skipped),
    }));
    parentPort.postMessage({ id, outcome: 'read', table, warnings }, [
      table.offsets.buffer,
      table.fileIds.buffer,
      table.lines.buffer,
    ]);
  } catch (e) {
    const d = describeError(e);
    const message = e instanceof Error ? e.message : String(e);
    parentPort.postMessage({
      id,
      outcome: d.exitCode === 3 ? 'internal' : 'rejected',
      message: d.exitCode === 3 ? `${e?.name ?? 'Error'}: ${message}` : d.lines[0],
      stack: d.exitCode === 3 && e instanceof Error ? e.stack : undefined,
    });
  } finally {
    try {
      elf?.close();
    } catch {
      // a close that fails after a rejection says nothing more
    }
  }
});
