/** How CLI commands print: with --json exactly one JSON object on stdout, otherwise lines for people. */
export interface JsonOption {
  json?: boolean;
}

export function print(options: JsonOption, result: object, lines: string[]): void {
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${lines.join("\n")}\n`);
}
