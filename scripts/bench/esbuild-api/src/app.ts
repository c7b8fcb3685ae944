import ms from "ms";
import { Order } from "./schema.js";
import { loadOrder, saveOrder } from "./store.js";

type Event = { requestContext?: { http?: { method?: string } }; pathParameters?: Record<string, string>; body?: string };
type Response = { statusCode: number; headers?: Record<string, string>; body: string };

const maxAge = Math.floor(ms("5m") / 1000);

export const handler = async (event: Event): Promise<Response> => {
  const method = event.requestContext?.http?.method ?? "GET";
  if (method === "POST") {
    const parsed = Order.safeParse(JSON.parse(event.body ?? "{}"));
    if (!parsed.success) {
      return { statusCode: 400, body: JSON.stringify({ errors: parsed.error.issues }) };
    }
    await saveOrder(parsed.data);
    return { statusCode: 201, body: JSON.stringify({ id: parsed.data.id }) };
  }
  const id = event.pathParameters?.id;
  if (!id) {
    return { statusCode: 200, headers: { "cache-control": `max-age=${maxAge}` }, body: JSON.stringify({ service: "orders", maxAge: ms(maxAge * 1000, { long: true }) }) };
  }
  const order = await loadOrder(id);
  return order ? { statusCode: 200, body: JSON.stringify(order) } : { statusCode: 404, body: "{}" };
};
