-- AlterEnum
ALTER TYPE "InterventionKind" ADD VALUE 'reply';

