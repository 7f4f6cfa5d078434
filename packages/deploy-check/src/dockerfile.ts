/** An instruction of a Dockerfile, with continuation lines joined. */
export type DockerInstruction = {
  instruction: string;
  value: string;
  line: number;
};

/** What the checks need from a Dockerfile: the global ARGs and the final (runtime) stage. */
export type DockerfileFacts = {
  /** ARG defaults declared before the first FROM. */
  globalArgs: Map<string, string>;
  /** Every instruction, in order. */
  instructions: DockerInstruction[];
  /** The final stage's instructions (what the image runs). */
  runtime: DockerInstruction[];
  /** The final stage's last WORKDIR. */
  workdir?: string;
  /** The final stage's last USER. */
  user?: string;
  /** Ports the final stage exposes. */
  exposedPorts: number[];
  /** The final stage's ENTRYPOINT and CMD in exec (JSON) form. */
  entrypoint?: string[];
  cmd?: string[];
  healthcheck?: string;
};

/** Joins continuation lines and drops comments, as the Dockerfile parser does. */
export function parseDockerfileInstructions(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let current: { parts: string[]; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    // Comment lines go, also between continuation lines
    if (/^\s*#/.test(line)) return;
    if (!current) {
      if (line.trim() === '') return;
      current = { parts: [], line: index + 1 };
    }
    const continued = /\\\s*$/.test(line);
    current.parts.push(continued ? line.replace(/\\\s*$/, '') : line);
    if (!continued) {
      const joined = current.parts.join(' ').trim();
      const match = /^(\S+)\s*(.*)$/s.exec(joined);
      if (match) {
        instructions.push({
          instruction: match[1].toUpperCase(),
          value: match[2].trim(),
          line: current.line,
        });
      }
      current = undefined;
    }
  });
  return instructions;
}

function execForm(value: string): string[] | undefined {
  try {
    const parsed = JSON.parse(value);
    return Array.isArray(parsed) &&
      parsed.every(item => typeof item === 'string')
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

export function parseDockerfile(text: string): DockerfileFacts {
  const instructions = parseDockerfileInstructions(text);
  const globalArgs = new Map<string, string>();
  const firstFrom = instructions.findIndex(i => i.instruction === 'FROM');
  for (const instruction of instructions.slice(
    0,
    firstFrom < 0 ? undefined : firstFrom,
  )) {
    if (instruction.instruction === 'ARG') {
      const [name, ...rest] = instruction.value.split('=');
      globalArgs.set(name.trim(), rest.join('=').trim());
    }
  }
  let lastFrom = -1;
  instructions.forEach((instruction, index) => {
    if (instruction.instruction === 'FROM') lastFrom = index;
  });
  const runtime = instructions.slice(lastFrom + 1);
  const facts: DockerfileFacts = {
    globalArgs,
    instructions,
    runtime,
    exposedPorts: [],
  };
  for (const instruction of runtime) {
    switch (instruction.instruction) {
      case 'WORKDIR':
        facts.workdir = instruction.value;
        break;
      case 'USER':
        facts.user = instruction.value;
        break;
      case 'EXPOSE':
        for (const port of instruction.value.split(/\s+/)) {
          facts.exposedPorts.push(Number(port.split('/')[0]));
        }
        break;
      case 'ENTRYPOINT':
        facts.entrypoint = execForm(instruction.value);
        break;
      case 'CMD':
        facts.cmd = execForm(instruction.value);
        break;
      case 'HEALTHCHECK':
        facts.healthcheck = instruction.value;
        break;
      default:
        break;
    }
  }
  return facts;
}
