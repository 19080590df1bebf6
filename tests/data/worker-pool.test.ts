// The pool under DataLoader's workers (data/worker-pool.ts), on Node worker threads running small
// programs given as source: replies matched to their requests, work spread over the workers, notices,
// and a worker that throws or exits failing every pending and later request with a WorkerPoolError.

import { describe, expect, it } from 'vitest';
import { nodeWorker, WorkerPool, WorkerPoolError } from '../../data/worker-pool.js';

// answers { id, n } with { id, twice, thread } after `n` ms; { crash } throws, { exit } exits
const PROGRAM = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.postMessage({ hello: threadId });
parentPort.on('message', ({ id, n, crash, exit }) => {
  if (crash) throw new Error('boom');
  if (exit) process.exit(3);
  setTimeout(() => parentPort.postMessage({ id, twice: 2 * n, thread: threadId }), n);
});
`;

type Reply = { id: number; twice: number; thread: number };
const pool = (size: number, notices: unknown[] = []) => new WorkerPool<Reply>(size, (events) => nodeWorker(PROGRAM, { eval: true }, events), (m) => notices.push(m));

describe('WorkerPool', () => {
  it('matches each reply to its request, spreads requests over the workers, and passes other messages on as notices', async () => {
    const notices: unknown[] = [];
    const p = pool(2, notices);
    try {
      const replies = await Promise.all([30, 5, 20, 1, 10, 2].map((n) => p.request({ n })));
      expect(replies.map((r) => r.twice)).toEqual([60, 10, 40, 2, 20, 4]);
      expect(new Set(replies.map((r) => r.thread)).size).toBe(2);
      expect(notices).toHaveLength(2);
      expect(notices.every((m) => typeof (m as { hello: unknown }).hello === 'number')).toBe(true);
    } finally {
      await p.close();
    }
  });

  it('a worker that throws fails every pending request and every later one, with a WorkerPoolError naming the error', async () => {
    const p = pool(2);
    try {
      const failed = new WorkerPoolError('DataLoader: a worker failed: boom');
      const slow = p.request({ n: 2000 }); // on the other worker, still pending when the first one fails
      await expect(p.request({ crash: true })).rejects.toThrow(failed);
      await expect(slow).rejects.toThrow(failed);
      await expect(slow).rejects.toBeInstanceOf(WorkerPoolError);
      // asked only once the failure is known: a request sent before it could still be answered by the healthy worker
      await expect(p.request({ n: 1 })).rejects.toThrow(failed);
    } finally {
      await p.close();
    }
  });

  it('a worker that exits fails the pool, naming the exit code', async () => {
    const p = pool(1);
    try {
      await expect(p.request({ exit: true })).rejects.toThrow(/^DataLoader: a worker exited \(code 3\)$/);
      await expect(p.request({ n: 1 })).rejects.toThrow(/exited \(code 3\)/);
    } finally {
      await p.close();
    }
  });

  it('close() rejects what is pending, and later requests say the workers were closed', async () => {
    const p = pool(2);
    const pending = expect(p.request({ n: 5000 })).rejects.toThrow(new WorkerPoolError('DataLoader: the workers were closed while samples were pending'));
    await p.close();
    await pending;
    await expect(p.request({ n: 1 })).rejects.toThrow(new WorkerPoolError('DataLoader: the workers were closed'));
  });
});
