import { defineConfig } from 'prisma/config';

// Only `prisma generate` runs here (see DESIGN.md): migrations are applied by services/db/migrator.ts.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
