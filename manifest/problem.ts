/** One thing wrong with the app package: where, and what. */
export interface Problem {
  /** A JSON pointer into the manifest (`/` for the whole), or an icon's file name. */
  path: string;
  message: string;
}
