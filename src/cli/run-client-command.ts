/** The client commands of `infergraph`: each runs against a server and answers with an exit code (exit-codes.ts). */
import { EXIT_CODES_HELP, failureOf } from './exit-codes.ts';
import { runExplain } from './explain.ts';
import { runGenerate } from './generate.ts';
import type { CliIo } from './io.ts';
import { runModels } from './models.ts';
import { runOcr } from './ocr.ts';
import { runPredict } from './predict.ts';

type Command = (args: string[], io: CliIo) => Promise<number>;

export const CLIENT_COMMANDS: Record<string, Command> = {
  explain: runExplain,
  generate: runGenerate,
  models: runModels,
  ocr: runOcr,
  predict: runPredict,
};

export const COMMANDS_USAGE = `Usage: infergraph [COMMAND] [options]

Commands:
  serve              serve the model repository (the default when no command is given; \`infergraph serve --help\`)
  models             list the models and their versions
  predict            run a model on inputs from a JSON, .npy or image file
  generate           stream a language model's tokens as they come
  explain            attribute a classifier's prediction to its input's elements
  ocr                read the text in an image with the server's OCR pipeline
  keys create        make an API key

\`infergraph COMMAND --help\` for a command's options.

${EXIT_CODES_HELP}`;

/** Runs a client command; what fails is one line on stderr and its exit code. */
export async function runClientCommand(command: Command, args: string[], io: CliIo): Promise<number> {
  try {
    return await command(args, io);
  } catch (error) {
    const { code, line } = failureOf(error);
    io.stderr(`infergraph: ${line}\n`);
    return code;
  }
}
