import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The repository's root, and the folders that hold the product's own code (tests and tools aside). */
export const repositoryRoot = path.join(__dirname, '..', '..');
export const productFolders = ['bot', 'dialogs', 'cards', 'services', 'prisma'];

/** Every .ts file under `dir`, relative to the repository with forward slashes; the generated Prisma client aside. */
export function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(repositoryRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return relative === 'prisma/generated' || entry.name === 'node_modules' ? [] : tsFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** A file of the repository parsed by TypeScript, for tests that read the code itself. */
export function parsedSource(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(path.join(repositoryRoot, file), 'utf8'), ts.ScriptTarget.Latest, true);
}
