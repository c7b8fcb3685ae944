import { z } from "zod";

export const Order = z.object({
  id: z.string().uuid(),
  customer: z.string().min(1).max(200),
  items: z
    .array(z.object({ sku: z.string().regex(/^[A-Z0-9-]+$/), quantity: z.number().int().positive() }))
    .min(1),
  note: z.string().max(1000).optional(),
});

export type Order = z.infer<typeof Order>;
