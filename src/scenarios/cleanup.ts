// Synchronous clean-ups that must run however a run ends: normally, by an exception, or by SIGINT/SIGTERM/SIGHUP.

const tasks = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const task of [...tasks]) {
    tasks.delete(task);
    try {
      task();
    } catch {
      // Best effort: one failing clean-up must not stop the others.
    }
  }
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** Register `task` to run on exit or on a terminating signal; call the returned function once it has run normally. */
export function registerCleanup(task: () => void): () => void {
  if (!installed) {
    installed = true;
    for (const signal of Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[]) {
      process.on(signal, () => {
        runAll();
        process.exit(EXIT_CODES[signal]);
      });
    }
    process.on('exit', runAll);
  }
  tasks.add(task);
  return () => {
    tasks.delete(task);
  };
}
