import { defineConfig } from 'eslint/config';
import nextVitals from 'eslint-config-next/core-web-vitals';
import actionGuard from '@action-guard/eslint-plugin';
export default defineConfig([...nextVitals, actionGuard.configs.recommended, { ignores: ['.next/**', 'next-env.d.ts'] }]);
