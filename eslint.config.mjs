import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tools/**', 'bench/results.json'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.mjs', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'error',
    },
  },
  {
    // The domain is pure: no I/O, no SDKs, no knowledge of the layers around it.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@azure/*', 'node:*'], message: 'The domain does no I/O.' },
            { group: ['**/storage/**', '**/service/**', '**/functions/**', '**/http/**', '**/config'], message: 'The domain depends on nothing else in src.' },
          ],
        },
      ],
    },
  },
  {
    // The service speaks to storage through its port, never to the SDK or to HTTP.
    files: ['src/service/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@azure/*'], message: 'The service sees storage through src/storage.' }, { group: ['**/functions/**', '**/http/**'], message: 'The service knows nothing of its adapters.' }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**', 'bench/**', '*.mjs', 'vitest.config.mts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
