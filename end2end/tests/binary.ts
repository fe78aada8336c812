import path from "node:path";

// The server binary cargo built: in CARGO_TARGET_DIR when it is set (relative to the
// repository, where cargo ran), else the repository's target folder. Paths are relative to
// end2end/, where Playwright runs.
export function serverBinary(profile: string): string {
  const target = process.env.CARGO_TARGET_DIR
    ? path.resolve("..", process.env.CARGO_TARGET_DIR)
    : "../target";
  return `${target}/${profile}/server`;
}
