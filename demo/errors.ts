/** The demo generator refused: bad options, or data already present without --reset. */
export class DemoSeedError extends Error {
  override name = "DemoSeedError";
}
