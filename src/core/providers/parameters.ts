// A session's model parameters (model.ts ModelParameters) in each provider's own request fields. What a provider
// cannot take is left out with a warning, never silently: the user set it and must learn it was not sent.
import type { ModelParameters, ReasoningEffort, ToolDefinition } from '../model';
import { DEFAULT_MAX_OUTPUT_TOKENS } from './provider';

type Warn = (message: string) => void;

/** Thinking tokens per effort, for the providers that take a budget (Anthropic, Gemini) when none is given. */
export const EFFORT_BUDGET: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
};
/** Anthropic's least thinking budget. */
const ANTHROPIC_MIN_BUDGET = 1024;

const budgetOf = (r: NonNullable<ModelParameters['reasoning']>) => r.budgetTokens ?? EFFORT_BUDGET[r.effort];

function warnSafety(p: ModelParameters, provider: string, warn: Warn): void {
  if (p.safetySettings?.length)
    warn(
      `Safety settings are Gemini's own: ${provider} has none, so the session's ${p.safetySettings.length} were not sent.`,
    );
}

// ---- OpenAI Responses ------------------------------------------------------------------------

export interface OpenAIParameters {
  reasoning?: { effort: ReasoningEffort; summary?: 'auto' | 'concise' | 'detailed' };
  temperature?: number;
  max_output_tokens?: number;
  tools?: Array<{
    type: 'function';
    name: string;
    description?: string;
    parameters: Record<string, unknown>;
    strict: false;
  }>;
}

export function openaiParameters(p: ModelParameters, warn: Warn): OpenAIParameters {
  warnSafety(p, 'OpenAI', warn);
  if (p.reasoning?.budgetTokens !== undefined)
    warn(
      `OpenAI takes a reasoning effort, not a token budget: the budget of ${p.reasoning.budgetTokens} tokens was not sent (effort "${p.reasoning.effort}" was).`,
    );
  return {
    ...(p.reasoning
      ? { reasoning: { effort: p.reasoning.effort, ...(p.reasoning.summary ? { summary: p.reasoning.summary } : {}) } }
      : {}),
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    ...(p.maxOutputTokens !== undefined ? { max_output_tokens: p.maxOutputTokens } : {}),
    ...(p.tools?.length ? { tools: p.tools.map(openaiTool) } : {}),
  };
}

function openaiTool(t: ToolDefinition) {
  // strict:false: arbitrary user schemas rarely meet strict mode's rules (all required, no extra keys).
  return {
    type: 'function' as const,
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    parameters: t.parameters,
    strict: false as const,
  };
}

// ---- Anthropic Messages ----------------------------------------------------------------------

export interface AnthropicParameters {
  max_tokens: number;
  thinking?: { type: 'enabled'; budget_tokens: number };
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
}

export function anthropicParameters(p: ModelParameters, warn: Warn): AnthropicParameters {
  warnSafety(p, 'Anthropic', warn);
  // API version 2026-10-21 (SDK 1.x) refuses temperature outright (docs/PROVIDERS_NOTES.md), thinking or not.
  if (p.temperature !== undefined)
    warn(`Anthropic's API no longer takes a temperature: the session's ${p.temperature} was not sent.`);
  const out: AnthropicParameters = { max_tokens: p.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS };
  if (p.reasoning) {
    let budget = budgetOf(p.reasoning);
    if (budget < ANTHROPIC_MIN_BUDGET) {
      warn(
        `Anthropic's least thinking budget is ${ANTHROPIC_MIN_BUDGET} tokens: sent ${ANTHROPIC_MIN_BUDGET}, not ${budget}.`,
      );
      budget = ANTHROPIC_MIN_BUDGET;
    }
    out.thinking = { type: 'enabled', budget_tokens: budget };
    // max_tokens counts the thinking too and must exceed it: the answer keeps its own room on top.
    if (out.max_tokens <= budget) {
      const answer = p.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
      if (p.maxOutputTokens !== undefined)
        warn(
          `Anthropic counts thinking in max_tokens, which must exceed the thinking budget (${budget}): sent max_tokens ${budget + answer} (the budget plus ${answer} for the answer).`,
        );
      out.max_tokens = budget + answer;
    }
  }
  if (p.tools?.length)
    out.tools = p.tools.map((t) => ({
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      input_schema: t.parameters,
    }));
  return out;
}

// ---- Gemini generateContent (the SDK's config: it sends generationConfig, safetySettings, tools) --

export interface GeminiParameters {
  temperature?: number;
  maxOutputTokens: number;
  thinkingConfig?: { thinkingBudget: number; includeThoughts?: boolean };
  safetySettings?: Array<{ category: string; threshold: string }>;
  tools?: Array<{
    functionDeclarations: Array<{ name: string; description?: string; parametersJsonSchema: Record<string, unknown> }>;
  }>;
}

export function geminiParameters(p: ModelParameters): GeminiParameters {
  return {
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    maxOutputTokens: p.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
    ...(p.reasoning
      ? {
          thinkingConfig: {
            thinkingBudget: budgetOf(p.reasoning),
            // Gemini has no summary levels: any summary asks for its thoughts.
            ...(p.reasoning.summary ? { includeThoughts: true } : {}),
          },
        }
      : {}),
    ...(p.safetySettings?.length ? { safetySettings: p.safetySettings } : {}),
    ...(p.tools?.length
      ? {
          tools: [
            {
              functionDeclarations: p.tools.map((t) => ({
                name: t.name,
                ...(t.description ? { description: t.description } : {}),
                parametersJsonSchema: t.parameters,
              })),
            },
          ],
        }
      : {}),
  };
}
