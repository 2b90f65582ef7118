/**
 * `gridbot` command line. Each command parses its arguments, calls one application entry point and maps
 * the outcome to an exit code (0 success, 1 bad input, 2 runtime failure) with a one-line reason.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  if (!command || command === 'demo') {
    console.log(
      'gridbot: simulator not built yet (issue 7). The engine and its tests are in place: npm test',
    );
    return 0;
  }
  console.error(`gridbot: unknown command "${command}"`);
  return 1;
}
