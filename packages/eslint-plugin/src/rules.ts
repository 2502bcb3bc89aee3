import { DIAGNOSTICS, DOCS_BASE, docsUrl } from '@action-guard/contracts';
import type { Diagnostic } from '@action-guard/transform';
import { BASELINE_FILE_NAME } from '@action-guard/transform/baseline';
import type { Rule } from 'eslint';
import { findingsOf, type FileFindings } from './file-findings.js';
import { SUGGESTION_MESSAGES, offsetOf, suggestionsFor } from './suggestions.js';

/** The rule that reports what the build prints as warnings (a check set to `'warn'`, or a baselined finding). */
export const WARNING_RULE = 'policy-warning';
/** The rule that reports an `action-guard.config.*` (or baseline file) that cannot be loaded. */
export const CONFIG_ERROR_RULE = 'config-error';

/**
 * Appended to a baselined finding's message. The build prints the finding's own text at severity warning (audit's
 * `warning AG101 missing-auth-decision: …`; `next build` only counts them, `N baselined findings in M files`), so the
 * text is the build's, and this says why a check at `'error'` shows as a warning (docs/adopting.md §2).
 */
export const BASELINED_MARKER = ` (baselined in ${BASELINE_FILE_NAME})`;

const MESSAGES = {
  diagnostic: '{{code}} {{message}} — fix: {{fix}}',
  warning: '{{code}} {{name}}: {{message}} — fix: {{fix}}{{baselined}}',
  configProblem: '{{message}}',
  ...SUGGESTION_MESSAGES,
} as const;

/**
 * Reports diagnostics at the build's position. The transform prints 1-based lines and 1-based columns
 * (`file:line:col`); ESLint takes a 0-based column in `loc` and prints it 1-based again, so both show the same
 * `line:col`.
 */
function report(
  context: Rule.RuleContext,
  findings: FileFindings,
  diagnostic: Diagnostic,
  messageId: keyof typeof MESSAGES,
  data: Record<string, string>,
): void {
  const offset = offsetOf(diagnostic, findings.lines);
  context.report({
    loc: { line: diagnostic.line, column: diagnostic.column - 1 },
    messageId,
    data,
    suggest: suggestionsFor(diagnostic, findings.text, findings.check, offset).map((suggestion) => ({
      messageId: suggestion.messageId,
      data: suggestion.data,
      fix: (fixer: Rule.RuleFixer) => fixer.replaceTextRange(suggestion.edit.range, suggestion.edit.text),
    })),
  });
}

/** The rule of one AG1xx check: it reports that check's diagnostics that fail the build, and nothing else. */
function checkRule(definition: (typeof DIAGNOSTICS)[number]): Rule.RuleModule {
  return {
    meta: {
      type: 'problem',
      docs: { description: `${definition.code}: ${definition.description}`, url: docsUrl(definition.name) },
      hasSuggestions: true,
      schema: [],
      messages: MESSAGES,
    },
    create(context) {
      const findings = findingsOf(context);
      const mine = findings?.errors.get(definition.name);
      if (findings === null || mine === undefined) return {};
      return {
        Program() {
          for (const diagnostic of mine) {
            report(context, findings, diagnostic, 'diagnostic', { code: diagnostic.code, message: diagnostic.message, fix: diagnostic.fix });
          }
        },
      };
    },
  };
}

/** Every finding the build reports as a warning, whatever its check (ESLint has no per-report severity). */
const warningRule: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'AG1xx findings the build reports as warnings: checks set to "warn" in action-guard.config, and baselined findings.',
      url: DOCS_BASE,
    },
    hasSuggestions: true,
    schema: [],
    messages: MESSAGES,
  },
  create(context) {
    const findings = findingsOf(context);
    if (findings === null || findings.warnings.length === 0) return {};
    return {
      Program() {
        for (const diagnostic of findings.warnings) {
          report(context, findings, diagnostic, 'warning', {
            code: diagnostic.code,
            name: diagnostic.name,
            message: diagnostic.message,
            fix: diagnostic.fix,
            baselined: diagnostic.baselined === true ? BASELINED_MARKER : '',
          });
        }
      },
    };
  },
};

/** The config (or the baseline) failed to load: the build stops there, so lint says so on every action file. */
const configErrorRule: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'AG2xx: action-guard.config.* cannot be loaded or is invalid, so no policy check can run.',
      url: `${DOCS_BASE}#configuration-ag2xx`,
    },
    schema: [],
    messages: MESSAGES,
  },
  create(context) {
    const findings = findingsOf(context);
    if (findings === null || findings.problems.length === 0) return {};
    return {
      Program() {
        for (const problem of findings.problems) {
          context.report({ loc: { line: 1, column: 0 }, messageId: 'configProblem', data: { message: problem.message } });
        }
      },
    };
  },
};

/** Every rule of the plugin: one per AG1xx check (named like the check), the warning rule and the config rule. */
export const rules: Record<string, Rule.RuleModule> = {
  ...Object.fromEntries(DIAGNOSTICS.map((definition) => [definition.name, checkRule(definition)])),
  [WARNING_RULE]: warningRule,
  [CONFIG_ERROR_RULE]: configErrorRule,
};
