// A Curator process for the interop tests (Debian's libcurator-recipes-java and
// libcurator-discovery-java), driven over
// stdin/stdout lines: one command a line, one reply a line ("ok <result>" or "error <message>").
// Usage: java CuratorDriver <connect string with chroot>
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.framework.recipes.nodes.GroupMember;
import org.apache.curator.framework.recipes.nodes.PersistentTtlNode;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.barriers.DistributedBarrier;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.queue.DistributedDelayQueue;
import org.apache.curator.framework.recipes.queue.DistributedIdQueue;
import org.apache.curator.framework.recipes.queue.DistributedPriorityQueue;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.MultiItem;
import org.apache.curator.framework.recipes.queue.QueueBase;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.queue.QueueSharder;
import org.apache.curator.framework.recipes.queue.QueueSharderPolicies;
import org.apache.curator.framework.recipes.queue.SimpleDistributedQueue;
import org.apache.curator.framework.state.ConnectionState;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicInteger;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceProvider;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public class CuratorDriver {
  /** The participants' ids in order, a * after the leader's. */
  static String describe(Iterable<Participant> participants) {
    StringBuilder out = new StringBuilder();
    for (Participant p : participants) {
      if (out.length() > 0) out.append(",");
      out.append(p.getId()).append(p.isLeader() ? "*" : "");
    }
    return out.toString();
  }

  /** A queue item as UTF-8 text. */
  static final QueueSerializer<String> TEXT = new QueueSerializer<String>() {
    public byte[] serialize(String item) { return item.getBytes(StandardCharsets.UTF_8); }
    public String deserialize(byte[] bytes) { return new String(bytes, StandardCharsets.UTF_8); }
  };

  /** MultiItem over a list. */
  static MultiItem<String> multi(List<String> items) {
    Iterator<String> it = items.iterator();
    return () -> it.hasNext() ? it.next() : null;
  }

  /**
   * A started Curator queue of text items: kind "fifo", "priority" or "delay"; with consumed
   * != null a consumer putting what it receives there, else producer-only; lockPath "-" for none.
   */
  static QueueBase<String> textQueue(CuratorFramework client, String path, String kind, String lockPath,
      LinkedBlockingQueue<String> consumed) throws Exception {
    QueueConsumer<String> consumer = consumed == null ? null : new QueueConsumer<String>() {
      public void consumeMessage(String item) { consumed.add(item); }
      public void stateChanged(CuratorFramework c, ConnectionState s) {}
    };
    QueueBuilder<String> builder = QueueBuilder.builder(client, consumer, TEXT, path).putInBackground(false);
    if (!lockPath.equals("-")) builder = builder.lockPath(lockPath);
    QueueBase<String> queue = kind.equals("priority") ? builder.buildPriorityQueue(0)
        : kind.equals("delay") ? builder.buildDelayQueue() : kind.equals("id") ? builder.buildIdQueue() : builder.buildQueue();
    queue.start();
    return queue;
  }

  /** Puts text items (one, or several in one node) with a priority, a delay in ms or an id as the kind wants. */
  static void putText(QueueBase<String> queue, List<String> items, String word) throws Exception {
    long arg = word.isEmpty() || queue instanceof DistributedIdQueue ? 0 : Long.parseLong(word);
    if (queue instanceof DistributedIdQueue) {
      ((DistributedIdQueue<String>) queue).put(items.get(0), word);
    } else if (queue instanceof DistributedPriorityQueue) {
      DistributedPriorityQueue<String> q = (DistributedPriorityQueue<String>) queue;
      if (items.size() == 1) q.put(items.get(0), (int) arg); else q.putMulti(multi(items), (int) arg);
    } else if (queue instanceof DistributedDelayQueue) {
      DistributedDelayQueue<String> q = (DistributedDelayQueue<String>) queue;
      long at = System.currentTimeMillis() + arg;
      if (items.size() == 1) q.put(items.get(0), at); else q.putMulti(multi(items), at);
    } else {
      DistributedQueue<String> q = (DistributedQueue<String>) queue;
      if (items.size() == 1) q.put(items.get(0)); else q.putMulti(multi(items));
    }
  }

  public static void main(String[] args) throws Exception {
    CuratorFramework client = CuratorFrameworkFactory.newClient(args[0], 10000, 10000, new RetryOneTime(200));
    client.start();
    if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
      System.out.println("error not connected");
      return;
    }
    System.out.println("ready");
    Map<String, LeaderLatch> latches = new HashMap<>();
    Map<String, ServiceInstance<Map>> registered = new HashMap<>();
    Map<String, InterProcessMutex> mutexes = new HashMap<>();
    Map<String, InterProcessSemaphoreV2> semaphores = new HashMap<>();
    Map<String, LeaderSelector> selectors = new HashMap<>();
    Map<String, GroupMember> members = new HashMap<>();
    Map<String, SharedCount> counts = new HashMap<>();
    Map<String, DistributedAtomicLong> longs = new HashMap<>();
    Map<String, DistributedAtomicInteger> ints = new HashMap<>();
    Map<String, SimpleDistributedQueue> simpleQueues = new HashMap<>();
    List<PersistentTtlNode> ttlNodes = new ArrayList<>();
    Map<String, QueueBase<String>> queues = new HashMap<>();
    Map<String, LinkedBlockingQueue<String>> queueOut = new HashMap<>();
    Map<String, DistributedBarrier> barriers = new HashMap<>();
    Map<String, QueueSharder<String, DistributedQueue<String>>> sharders = new HashMap<>();
    Map<String, DistributedDoubleBarrier> doubles = new HashMap<>();
    // a selector's leader holds its term until "abdicate" counts its latch down
    Map<String, CountDownLatch> terms = new ConcurrentHashMap<>();
    Map<String, Lease> leases = new HashMap<>();
    ServiceDiscovery<Map> discovery = null;
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
          case "participants": // participants <name>: id, a * after the leader's
            System.out.println("ok " + describe(latches.get(words[1]).getParticipants()));
            break;
          case "close": // close <name>
            latches.remove(words[1]).close();
            System.out.println("ok closed");
            break;
          case "selector": { // selector <name> <path> <id>: a LeaderSelector, leading until "abdicate <name>"
            final String name = words[1];
            terms.put(name, new CountDownLatch(1));
            LeaderSelector selector = new LeaderSelector(client, words[2], new LeaderSelectorListenerAdapter() {
              @Override
              public void takeLeadership(CuratorFramework c) throws Exception {
                terms.get(name).await();
              }
            });
            selector.setId(words[3]);
            selector.start();
            selectors.put(name, selector);
            System.out.println("ok started");
            break;
          }
          case "leads": // leads <selector>
            System.out.println("ok " + selectors.get(words[1]).hasLeadership());
            break;
          case "abdicate": // abdicate <selector>: its leader's term ends
            terms.get(words[1]).countDown();
            System.out.println("ok abdicated");
            break;
          case "requeue": // requeue <selector>: line up for another term
            terms.put(words[1], new CountDownLatch(1));
            System.out.println("ok " + selectors.get(words[1]).requeue());
            break;
          case "selection": // selection <selector>: the participants' ids, a * after the leader's
            System.out.println("ok " + describe(selectors.get(words[1]).getParticipants()));
            break;
          case "unselect": // unselect <selector>
            terms.get(words[1]).countDown();
            selectors.remove(words[1]).close();
            System.out.println("ok closed");
            break;
          case "member": { // member <name> <path> <id> <data>: a GroupMember, started
            GroupMember member = new GroupMember(client, words[2], words[3], words[4].getBytes("UTF-8"));
            member.start();
            members.put(words[1], member);
            System.out.println("ok started");
            break;
          }
          case "members": { // members <name>: id=data for each current member, sorted by id
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : members.get(words[1]).getCurrentMembers().entrySet()) {
              out.add(e.getKey() + "=" + new String(e.getValue(), "UTF-8"));
            }
            Collections.sort(out);
            System.out.println("ok " + String.join(",", out));
            break;
          }
          case "memberdata": // memberdata <name> <data>
            members.get(words[1]).setThisData(words[2].getBytes("UTF-8"));
            System.out.println("ok set");
            break;
          case "leave": // leave <name>
            members.remove(words[1]).close();
            System.out.println("ok left");
            break;
          case "count": { // count <name> <path> <seed>: a SharedCount, started
            SharedCount count = new SharedCount(client, words[2], Integer.parseInt(words[3]));
            count.start();
            counts.put(words[1], count);
            System.out.println("ok started");
            break;
          }
          case "getcount": // getcount <name>: its cached count
            System.out.println("ok " + counts.get(words[1]).getCount());
            break;
          case "setcount": // setcount <name> <n>
            counts.get(words[1]).setCount(Integer.parseInt(words[2]));
            System.out.println("ok set");
            break;
          case "trycount": // trycount <name> <n>: trySetCount at the version it holds
            SharedCount tried = counts.get(words[1]);
            System.out.println("ok " + tried.trySetCount(tried.getVersionedValue(), Integer.parseInt(words[2])));
            break;
          case "long": // long <name> <path>: a DistributedAtomicLong
            longs.put(words[1], new DistributedAtomicLong(client, words[2], new RetryNTimes(500, 5)));
            System.out.println("ok made");
            break;
          case "longadd": { // longadd <name> <n>: whether it succeeded, and the value after
            AtomicValue<Long> v = longs.get(words[1]).add(Long.parseLong(words[2]));
            System.out.println("ok " + v.succeeded() + " " + v.postValue());
            break;
          }
          case "longget": // longget <name>
            System.out.println("ok " + longs.get(words[1]).get().postValue());
            break;
          case "ttlnode": { // ttlnode <path> <ttl ms> <data>: a started PersistentTtlNode; waits until it exists
            PersistentTtlNode node = new PersistentTtlNode(client, words[1], Long.parseLong(words[2]),
                words[3].getBytes(StandardCharsets.UTF_8));
            node.start();
            ttlNodes.add(node);
            System.out.println("ok " + node.waitForInitialCreate(10, TimeUnit.SECONDS));
            break;
          }
          case "sq": // sq <name> <path>: a SimpleDistributedQueue
            simpleQueues.put(words[1], new SimpleDistributedQueue(client, words[2]));
            System.out.println("ok made");
            break;
          case "sqoffer": // sqoffer <name> <text>
            simpleQueues.get(words[1]).offer(words[2].getBytes(StandardCharsets.UTF_8));
            System.out.println("ok offered");
            break;
          case "sqpoll": { // sqpoll <name> <ms>: the next item's text, or none
            byte[] item = simpleQueues.get(words[1]).poll(Long.parseLong(words[2]), TimeUnit.MILLISECONDS);
            System.out.println("ok " + (item == null ? "none" : new String(item, StandardCharsets.UTF_8)));
            break;
          }
          case "dqremove": // dqremove <name> <id>: how many an id queue removed
            System.out.println("ok " + ((DistributedIdQueue<String>) queues.get(words[1])).remove(words[2]));
            break;
          case "dq": // dq <name> <path> <fifo|priority|delay|id> <lockPath|-> <producer|consumer>
            queueOut.put(words[1], new LinkedBlockingQueue<>());
            queues.put(words[1], textQueue(client, words[2], words[3], words[4],
                words[5].equals("consumer") ? queueOut.get(words[1]) : null));
            System.out.println("ok made");
            break;
          case "dqput": // dqput <name> <text[,text...]> [priority | delay ms | id]
            putText(queues.get(words[1]), Arrays.asList(words[2].split(",")), words.length > 3 ? words[3] : "");
            System.out.println("ok put");
            break;
          case "dqnext": { // dqnext <name> <ms>: the next item its consumer received, or none
            String item = queueOut.get(words[1]).poll(Long.parseLong(words[2]), TimeUnit.MILLISECONDS);
            System.out.println("ok " + (item == null ? "none" : item));
            break;
          }
          case "int": // int <name> <path>: a DistributedAtomicInteger
            ints.put(words[1], new DistributedAtomicInteger(client, words[2], new RetryNTimes(500, 5)));
            System.out.println("ok made");
            break;
          case "intadd": { // intadd <name> <n>: whether it succeeded, and the value after
            AtomicValue<Integer> v = ints.get(words[1]).add(Integer.parseInt(words[2]));
            System.out.println("ok " + v.succeeded() + " " + v.postValue());
            break;
          }
          case "intget": // intget <name>
            System.out.println("ok " + ints.get(words[1]).get().postValue());
            break;
          case "barrier": // barrier <name> <path>: a DistributedBarrier
            barriers.put(words[1], new DistributedBarrier(client, words[2]));
            System.out.println("ok made");
            break;
          case "setbarrier": // setbarrier <name>
            barriers.get(words[1]).setBarrier();
            System.out.println("ok set");
            break;
          case "removebarrier": // removebarrier <name>
            barriers.get(words[1]).removeBarrier();
            System.out.println("ok removed");
            break;
          case "waitbarrier": // waitbarrier <name> <millis>: whether the barrier came down in time
            System.out.println("ok " + barriers.get(words[1]).waitOnBarrier(Long.parseLong(words[2]), TimeUnit.MILLISECONDS));
            break;
          case "double": // double <name> <path> <members>: a DistributedDoubleBarrier
            doubles.put(words[1], new DistributedDoubleBarrier(client, words[2], Integer.parseInt(words[3])));
            System.out.println("ok made");
            break;
          case "denter": // denter <name> <millis>: whether everyone entered in time
            System.out.println("ok " + doubles.get(words[1]).enter(Long.parseLong(words[2]), TimeUnit.MILLISECONDS));
            break;
          case "dleave": // dleave <name> <millis>: whether everyone left in time
            System.out.println("ok " + doubles.get(words[1]).leave(Long.parseLong(words[2]), TimeUnit.MILLISECONDS));
            break;
          case "mutex": // mutex <name> <path>
            mutexes.put(words[1], new InterProcessMutex(client, words[2]));
            System.out.println("ok made");
            break;
          case "rwlock": { // rwlock <name> <path>: its read lock as mutex <name>.r, its write lock as <name>.w
            InterProcessReadWriteLock rw = new InterProcessReadWriteLock(client, words[2]);
            mutexes.put(words[1] + ".r", rw.readLock());
            mutexes.put(words[1] + ".w", rw.writeLock());
            System.out.println("ok made");
            break;
          }
          case "semaphore": { // semaphore <name> <path> <maxLeases> <id>
            InterProcessSemaphoreV2 semaphore = new InterProcessSemaphoreV2(client, words[2], Integer.parseInt(words[3]));
            semaphore.setNodeData(words[4].getBytes("UTF-8"));
            semaphores.put(words[1], semaphore);
            System.out.println("ok made");
            break;
          }
          case "lease": { // lease <semaphore> <lease> <millis>: whether it got a lease in time
            Lease lease = semaphores.get(words[1]).acquire(Long.parseLong(words[3]), TimeUnit.MILLISECONDS);
            if (lease != null) leases.put(words[2], lease);
            System.out.println("ok " + (lease != null));
            break;
          }
          case "return": // return <lease>
            leases.remove(words[1]).close();
            System.out.println("ok returned");
            break;
          case "acquire": // acquire <name> <millis>: whether it got the lock in time
            System.out.println("ok " + mutexes.get(words[1]).acquire(Long.parseLong(words[2]), TimeUnit.MILLISECONDS));
            break;
          case "release": // release <name>
            mutexes.get(words[1]).release();
            System.out.println("ok released");
            break;
          case "discovery": { // discovery <basePath> [full]: "full" writes Curator 4+'s "enabled" (not the compatible form)
            boolean compatible = words.length < 3 || !words[2].equals("full");
            discovery = ServiceDiscoveryBuilder.builder(Map.class).client(client).basePath(words[1])
                .serializer(new JsonInstanceSerializer<>(Map.class, compatible)).build();
            discovery.start();
            System.out.println("ok started");
            break;
          }
          case "register": { // register <name> <address> <port> <zone> [serviceType] [enabled]: the instance's id
            Map<String, String> payload = new HashMap<>();
            payload.put("zone", words[4]);
            ServiceInstance<Map> instance = ServiceInstance.<Map>builder().name(words[1]).address(words[2])
                .port(Integer.parseInt(words[3])).payload(payload).uriSpec(new UriSpec("{scheme}://{address}:{port}"))
                .serviceType(words.length > 5 ? ServiceType.valueOf(words[5]) : ServiceType.DYNAMIC)
                .enabled(words.length <= 6 || Boolean.parseBoolean(words[6])).build();
            discovery.registerService(instance);
            registered.put(instance.getId(), instance);
            System.out.println("ok " + instance.getId());
            break;
          }
          case "enable": { // enable <id> <true|false>: updateService with the instance (out of) rotation
            ServiceInstance<Map> old = registered.get(words[1]);
            ServiceInstance<Map> changed = new ServiceInstance<>(old.getName(), old.getId(), old.getAddress(), old.getPort(),
                old.getSslPort(), old.getPayload(), old.getRegistrationTimeUTC(), old.getServiceType(), old.getUriSpec(),
                Boolean.parseBoolean(words[2]));
            discovery.updateService(changed);
            registered.put(changed.getId(), changed);
            System.out.println("ok updated");
            break;
          }
          case "provide": { // provide <name> <n>: the distinct ids of n picks by a round-robin provider, sorted
            ServiceProvider<Map> provider = discovery.serviceProviderBuilder().serviceName(words[1]).build();
            provider.start();
            try {
              java.util.TreeSet<String> ids = new java.util.TreeSet<>();
              for (int n = Integer.parseInt(words[2]); n > 0; n--) {
                ServiceInstance<Map> i = provider.getInstance();
                ids.add(i == null ? "none" : i.getId());
              }
              System.out.println("ok " + String.join(",", ids));
            } finally {
              provider.close();
            }
            break;
          }
          case "unregister": // unregister <id>
            discovery.unregisterService(registered.remove(words[1]));
            System.out.println("ok unregistered");
            break;
          case "instances": { // instances <name>: id@address:port/zone, sorted by id
            List<String> out = new ArrayList<>();
            for (ServiceInstance<Map> i : discovery.queryForInstances(words[1])) {
              Object zone = i.getPayload() == null ? null : i.getPayload().get("zone");
              out.add(i.getId() + "@" + i.getAddress() + ":" + i.getPort() + "/" + zone + "/" + i.buildUriSpec()
                  + (i.getServiceType() == ServiceType.DYNAMIC ? "" : "/" + i.getServiceType()) + (i.isEnabled() ? "" : "/disabled"));
            }
            Collections.sort(out);
            System.out.println("ok " + String.join(",", out));
            break;
          }
          case "sharder": { // sharder <name> <path> <leaderPath> <threshold> <checkMs> <maxQueues>: a started QueueSharder of producer-only DistributedQueues
            QueueSharderPolicies policies = QueueSharderPolicies.builder().newQueueThreshold(Integer.parseInt(words[4]))
                .thresholdCheckMs(Integer.parseInt(words[5])).maxQueues(Integer.parseInt(words[6])).build();
            QueueSharder<String, DistributedQueue<String>> sharder = new QueueSharder<>(client,
                (c, p) -> QueueBuilder.builder(c, null, TEXT, p).putInBackground(false).buildQueue(), words[2], words[3], policies);
            sharder.start();
            sharders.put(words[1], sharder);
            System.out.println("ok started");
            break;
          }
          case "sharderput": // sharderput <name> <text>: put into the queue getQueue picks
            sharders.get(words[1]).getQueue().put(words[2]);
            System.out.println("ok put");
            break;
          case "shards": { // shards <name>: the shards' paths, sorted
            List<String> paths = new ArrayList<>(sharders.get(words[1]).getQueuePaths());
            Collections.sort(paths);
            System.out.println("ok " + String.join(",", paths));
            break;
          }
          case "sharderclose": // sharderclose <name>
            sharders.remove(words[1]).close();
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
    for (CountDownLatch term : terms.values()) term.countDown();
    for (LeaderSelector selector : selectors.values()) selector.close();
    for (GroupMember member : members.values()) member.close();
    for (SharedCount count : counts.values()) count.close();
    for (QueueBase<String> queue : queues.values()) queue.close();
    for (QueueSharder<String, DistributedQueue<String>> sharder : sharders.values()) sharder.close();
    for (PersistentTtlNode node : ttlNodes) node.close();
    if (discovery != null) discovery.close();
    client.close();
  }
}
