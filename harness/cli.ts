// touchstone: the command line's entry (the commands are in harness/commands.ts). Node's compile
// cache is turned on first, then the commands are imported: a static import would have Node load
// and compile the whole module graph before any of this file ran, uncached.
import './compile-cache.ts';

const [{ main }, { firstLine }] = await Promise.all([import('./commands.ts'), import('./reporters/format.ts')]);

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('harness/cli.ts');
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Never hang on a leaked handle (a browser, a socket) once the work is done.
      setTimeout(() => process.exit(code), 3000).unref();
    },
    (err: unknown) => {
      process.stderr.write(`touchstone: internal error: ${firstLine(err)}${process.env.TOUCHSTONE_DEBUG ? '' : ' (set TOUCHSTONE_DEBUG=1 for the stack)'}\n`);
      if (process.env.TOUCHSTONE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
