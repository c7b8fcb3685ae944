// A function-URL handler: GET /hello?name=X greets X, GET /health reports
// the stage and how long this execution environment has been up; anything
// else is a 404. Its one dependency, ms, formats that time.
import ms from "ms";

const greeting = process.env.GREETING ?? "Hello";
const stage = process.env.STAGE ?? "dev";

const json = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

export const handler = async (event = {}) => {
  const path = event.rawPath ?? event.path ?? "/";
  const query = event.queryStringParameters ?? {};

  switch (path) {
    case "/health":
      return json(200, { ok: true, stage, up: ms(Math.round(process.uptime() * 1000)) });
    case "/":
    case "/hello": {
      const name = typeof query.name === "string" && query.name.trim() !== "" ? query.name.trim() : "world";
      return json(200, { message: `${greeting}, ${name}!`, stage });
    }
    default:
      return json(404, { error: `no route for ${path}` });
  }
};
