import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Order } from "./schema.js";

const s3 = new S3Client({});
const bucket = process.env.ORDERS_BUCKET ?? "orders";

export async function saveOrder(order: Order): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `orders/${order.id}.json`, Body: JSON.stringify(order) }));
}

export async function loadOrder(id: string): Promise<Order | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `orders/${id}.json` }));
    return JSON.parse((await out.Body?.transformToString()) ?? "null") ?? undefined;
  } catch {
    return undefined;
  }
}
