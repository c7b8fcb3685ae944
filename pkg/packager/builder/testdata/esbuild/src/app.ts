import ms from "ms";
import { greet } from "./lib/greet";
import sep from "./lib/sep.cjs";

export const handler = async (_event: unknown): Promise<{ statusCode: number; body: string }> => {
  return { statusCode: 200, body: `${greet("lamb")} ${ms(60_000)} ${sep()}` };
};

// The runtime provides the AWS SDK: the bundle imports it, never contains it.
export async function bucketCount(): Promise<number> {
  const { S3Client, ListBucketsCommand } = await import("@aws-sdk/client-s3");
  const out = await new S3Client({}).send(new ListBucketsCommand({}));
  return out.Buckets?.length ?? 0;
}
