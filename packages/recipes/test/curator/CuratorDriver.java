// A Curator process for the interop tests (Debian's libcurator-recipes-java), driven over
// stdin/stdout lines: one command a line, one reply a line ("ok <result>" or "error <message>").
// Usage: java CuratorDriver <connect string with chroot>
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.retry.RetryOneTime;

public class CuratorDriver {
  public static void main(String[] args) throws Exception {
    CuratorFramework client = CuratorFrameworkFactory.newClient(args[0], 10000, 10000, new RetryOneTime(200));
    client.start();
    if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
      System.out.println("error not connected");
      return;
    }
    System.out.println("ready");
    Map<String, LeaderLatch> latches = new HashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.trim().split(" ");
      try {
        switch (words[0]) {
          case "latch": { // latch <name> <path> <id>
            LeaderLatch latch = new LeaderLatch(client, words[2], words[3]);
            latch.start();
            latches.put(words[1], latch);
            System.out.println("ok started");
            break;
          }
          case "leader": // leader <name>
            System.out.println("ok " + latches.get(words[1]).hasLeadership());
            break;
          case "await": // await <name> <millis>
            System.out.println("ok " + latches.get(words[1]).await(Long.parseLong(words[2]), TimeUnit.MILLISECONDS));
            break;
          case "participants": { // participants <name>: id, a * after the leader's
            StringBuilder out = new StringBuilder();
            for (Participant p : latches.get(words[1]).getParticipants()) {
              if (out.length() > 0) out.append(",");
              out.append(p.getId()).append(p.isLeader() ? "*" : "");
            }
            System.out.println("ok " + out);
            break;
          }
          case "close": // close <name>
            latches.remove(words[1]).close();
            System.out.println("ok closed");
            break;
          default:
            System.out.println("error unknown command " + words[0]);
        }
      } catch (Exception e) {
        System.out.println("error " + e.toString().replace('\n', ' '));
      }
      System.out.flush();
    }
    for (LeaderLatch latch : latches.values()) latch.close();
    client.close();
  }
}
