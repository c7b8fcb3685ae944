package example;

import greet.Greeter;

public class Handler {
    public String handleRequest(String name) {
        return Greeter.greet(name);
    }
}
