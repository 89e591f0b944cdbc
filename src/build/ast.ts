// The Containerfile AST: what the parser returns and expansion, planning and
// execution consume. Values are as written (quotes and `$VAR` intact) except
// where noted; expand.ts turns them into their final form per stage.

/** Where an instruction came from: 1-based, inclusive line range of the logical line and its heredocs. */
export interface Location {
  file: string;
  start: number;
  end: number;
}

/** A heredoc body attached to RUN/COPY/ADD (`<<EOF`, `<<-EOF`, `<<"EOF"`). */
export interface Heredoc {
  /** The delimiter word, quotes removed. */
  name: string;
  /** The body, each line ending in "\n"; leading tabs already stripped for `<<-`. */
  content: string;
  /** False when any part of the delimiter was quoted: the body is taken literally. */
  expand: boolean;
  /** `<<-`: leading tabs were stripped from the body and the delimiter line. */
  chomp: boolean;
  /** The file descriptor written before `<<` (`3<<EOF`), default 0 (stdin). */
  fd: number;
}

/** CMD/ENTRYPOINT/RUN/HEALTHCHECK command: exec form (JSON array) or shell form (the rest of the line). */
export type CommandForm = { form: 'exec'; args: string[] } | { form: 'shell'; line: string };

/** `--name=value` flags in the order written; boolean flags have value undefined. */
export type Flag = { name: string; value: string | undefined };

export interface KeyValue {
  key: string;
  value: string;
}

interface Common {
  loc: Location;
  /** The logical line as written (continuations joined, comments dropped). */
  original: string;
  flags: Flag[];
}

export interface FromInstruction extends Common {
  kind: 'FROM';
  image: string;
  /** `AS name`, lowercased as BuildKit does. */
  name?: string;
  platform?: string;
}

export interface RunInstruction extends Common {
  kind: 'RUN';
  command: CommandForm;
  /** `--mount=` specs, parsed (values unexpanded). */
  mounts: Record<string, string>[];
  network?: string;
  security?: string;
  heredocs: Heredoc[];
}

export interface CmdInstruction extends Common { kind: 'CMD'; command: CommandForm }
export interface EntrypointInstruction extends Common { kind: 'ENTRYPOINT'; command: CommandForm }
export interface ShellInstruction extends Common { kind: 'SHELL'; args: string[] }
/** LABEL/ENV pairs, from `k=v ...` or the legacy `KEY value` form (value = rest of the line). */
export interface LabelInstruction extends Common { kind: 'LABEL'; pairs: KeyValue[] }
export interface EnvInstruction extends Common { kind: 'ENV'; pairs: KeyValue[] }
export interface ExposeInstruction extends Common { kind: 'EXPOSE'; ports: string[] }
export interface VolumeInstruction extends Common { kind: 'VOLUME'; paths: string[] }
export interface UserInstruction extends Common { kind: 'USER'; value: string }
export interface WorkdirInstruction extends Common { kind: 'WORKDIR'; value: string }
export interface StopsignalInstruction extends Common { kind: 'STOPSIGNAL'; value: string }
export interface MaintainerInstruction extends Common { kind: 'MAINTAINER'; value: string }

export interface ArgInstruction extends Common {
  kind: 'ARG';
  /** `ARG NAME` has value undefined (no default); `ARG NAME=` has "". */
  args: { name: string; value?: string }[];
}

export interface CopyInstruction extends Common {
  kind: 'COPY' | 'ADD';
  /** Sources as written; a heredoc source appears as its `<<EOF` word and in `heredocs`. */
  sources: string[];
  dest: string;
  /** Exec (JSON array) form, which allows spaces in paths. */
  json: boolean;
  from?: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  parents: boolean;
  excludes: string[];
  /** ADD only. */
  checksum?: string;
  keepGitDir?: boolean;
  unpack?: boolean;
  heredocs: Heredoc[];
}

export interface HealthcheckInstruction extends Common {
  kind: 'HEALTHCHECK';
  /** NONE disables the base image's check. */
  none: boolean;
  command?: CommandForm;
  /** Durations in nanoseconds, as the image config stores them; absent = not set. */
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export interface OnbuildInstruction extends Common {
  kind: 'ONBUILD';
  /** The trigger as written, stored in the image config's OnBuild. */
  expression: string;
  trigger: Instruction;
}

export type Instruction =
  | FromInstruction | RunInstruction | CmdInstruction | EntrypointInstruction | ShellInstruction
  | LabelInstruction | EnvInstruction | ExposeInstruction | VolumeInstruction | UserInstruction
  | WorkdirInstruction | StopsignalInstruction | MaintainerInstruction | ArgInstruction
  | CopyInstruction | HealthcheckInstruction | OnbuildInstruction;

export type InstructionKind = Instruction['kind'];

export interface Directives {
  syntax?: string;
  escape: '\\' | '`';
  check?: string;
}

export interface Dockerfile {
  file: string;
  directives: Directives;
  instructions: Instruction[];
  /** Non-fatal findings (BuildKit prints these as warnings), e.g. empty continuation lines. */
  warnings: { line: number; message: string }[];
}
