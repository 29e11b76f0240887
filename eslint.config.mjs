// @ts-check
// Lint rules. Formatting is Prettier's (npm run format); this file holds no style rules.
// Every rule relaxed below says why on its line.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // bench/peer/node_modules is PostGraphile's own install; ESLint's default **/node_modules/ ignore covers it.
    ignores: ['dist/**', 'coverage/**', '.data/**'],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // A new outcome kind must fail lint at every switch over it, even one with a `default`.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      // Relaxed for numbers only (strict's other settings spelled out: options replace, they do not merge): a
      // number prints the same everywhere we log or answer; objects, null, undefined, booleans stay errors.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowAny: false,
          allowBoolean: false,
          allowNever: false,
          allowNullish: false,
          allowNumber: true,
          allowRegExp: false,
        },
      ],
      // Relaxed for `_`-named parameters (Express knows an error handler by its four parameters, used or not) and
      // for rest siblings (`{ dropped, ...rest }` is how a copy leaves a key out).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Relaxed: Apollo's plugin hooks and our MutationScope.audit are typed to return promises, and `async` is
      // how a hook with nothing to await meets that; a promise left unawaited is no-floating-promises' to find.
      '@typescript-eslint/require-await': 'off',
      // Relaxed: type-graphql declares GraphQL types as classes that are shapes; resolvers return object
      // literals for them (its documented use) and nothing tests instanceof on them.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/no-misused-spread': [
        'error',
        {
          allow: [
            // Relaxed for type-graphql @ArgsType/@InputType classes: fields only, spread into plain arguments.
            { from: 'file', name: 'MutationOptions', path: 'src/common/mutation.ts' },
            { from: 'file', name: 'AccountFilter', path: 'src/accounts/account.inputs.ts' },
            // Relaxed for strings: `[...text]` splits by code point on purpose (a cut never halves a surrogate pair).
            { from: 'lib', name: 'string' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**'],
    rules: {
      // Relaxed in tests: a `!` there asserts what the test expects, and when it is wrong the test fails on that line.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Relaxed in tests: @types/jest types the asymmetric matchers (expect.any, expect.stringContaining, ...)
      // as any, so each one inside an expected object would be a finding. Reading an untyped value is still one.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // Relaxed: SCIM PATCH edits JSON documents whose keys are data; they stay plain objects because they are JSON.
    files: ['src/scim/patch.ts'],
    rules: { '@typescript-eslint/no-dynamic-delete': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS files (jest's config, the dev runner, swc's register hook) load modules with require().
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
