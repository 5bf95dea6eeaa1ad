/**
 * The file store port: L2MAC's only memory that outlives an instruction. Paths are POSIX and relative to
 * the store's root; implementations refuse anything outside it with a `PathError` the model can read.
 */
export interface FileStore {
  /** Every file path in the store, sorted. */
  list(): Promise<readonly string[]>;
  /**
   * The file's text, or undefined when there is no such file. With `exact`, a file that is not valid UTF-8
   * is refused with a PathError rather than decoded with replacement characters (which a write would keep).
   */
  read(path: string, options?: { exact?: boolean }): Promise<string | undefined>;
  /** What a file is without reading it all (its size, whether it is binary), or undefined when there is no such file. */
  stat(path: string): Promise<FileInfo | undefined>;
  /**
   * The file's lines in order from `startLine` (1-based, default 1), read as a stream so a caller that
   * stops early never reads the rest. Lines longer than `maxLineBytes` come cut (and say so); line ends
   * are not included.
   */
  lines(path: string, maxLineBytes: number, startLine?: number): AsyncIterable<FileLine>;
  write(path: string, contents: string): Promise<void>;
  /** True when a file was removed. */
  delete(path: string): Promise<boolean>;
}

export interface FileInfo {
  size: number;
  /** Holds a NUL byte near its start, as git judges binary files: not text to show. */
  binary: boolean;
}

export interface FileLine {
  text: string;
  /** The line was longer than asked for and `text` is its start. */
  cut: boolean;
}

/** A store that can record its current contents as one commit (the local workspace, the feature branch). */
export interface VersionedFileStore extends FileStore {
  /** Commit everything changed; returns the new commit's id, or undefined when nothing changed. */
  commit(message: string, trailers: Record<string, string>): Promise<string | undefined>;
  /** Complete (non-partial) instruction commits of a run found in history, by instruction id. */
  instructionCommits?(runId: string): Promise<Map<number, { sha: string; summary: string }>>;
}

export const isVersioned = (store: FileStore): store is VersionedFileStore =>
  typeof (store as Partial<VersionedFileStore>).commit === "function";

/** What `search_files` asks of a store. */
export interface SearchQuery {
  pattern: string;
  /** An extended regular expression (POSIX ERE, as `git grep -E`) rather than a literal string. */
  regex: boolean;
  caseSensitive: boolean;
  /** A normalised directory or glob the search is confined to; the whole store when absent. */
  under?: string;
  /** Matches returned at most; the rest are only counted. */
  maxMatches: number;
}

export interface SearchMatch {
  path: string;
  /** 1-based. */
  line: number;
  text: string;
  /** The line was longer than shown. */
  cut: boolean;
}

export interface SearchResult {
  matches: SearchMatch[];
  /** Matching lines in all (at least this many when `counted` is false). */
  total: number;
  /** False when counting stopped early (very many matches). */
  counted: boolean;
}

/** A store that can search its files' contents (both directory stores can, through `git grep`). */
export interface SearchableFileStore extends FileStore {
  /** Throws a PathError the model can read for a pattern that is not a valid expression. */
  search(query: SearchQuery): Promise<SearchResult>;
}

export const isSearchable = (store: FileStore): store is SearchableFileStore =>
  typeof (store as Partial<SearchableFileStore>).search === "function";
